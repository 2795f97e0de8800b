from inspector_app.app import main

raise SystemExit(main())
