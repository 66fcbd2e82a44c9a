"""`python -m generator` is `cablesite`."""

from generator.cli import main

raise SystemExit(main())
