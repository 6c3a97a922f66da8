"""Train and evaluate the policy pipeline: ``python train.py configs/base.cfg [overrides]``."""

import sys

from nlp.training.loop import main

if __name__ == "__main__":
    sys.exit(main())
