"""`python -m salesperf.cli`: the same as the `salesperf` console script."""

import sys

from salesperf.cli.main import main

sys.exit(main())
