from lab.main import main

raise SystemExit(main())
