"""``python -m reviewbuild`` runs the command line."""

import sys

from reviewbuild.cli import main

sys.exit(main())
