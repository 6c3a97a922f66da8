"""``python -m nlp.cli``, the same as ``policy-nlp``."""

import sys

from . import main

sys.exit(main())
