from consortium.cli import main

raise SystemExit(main())
