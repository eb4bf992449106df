"""`python -m trainboard.worker`: start one worker process."""

import sys

from trainboard.worker.main import main

sys.exit(main())
