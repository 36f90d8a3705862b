"""``python -m xpo1review`` runs the command line."""

import sys

from xpo1review.cli import main

sys.exit(main())
