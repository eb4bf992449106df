"""`python -m trainboard`: the `trainboard` command."""

import sys

from trainboard.cli.main import main

sys.exit(main())
