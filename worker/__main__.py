"""`python -m worker`: start one worker process."""

import sys

from worker.main import main

sys.exit(main())
