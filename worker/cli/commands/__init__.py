"""One module per subcommand (or per family of them): `add_arguments` and a handler, wired in cli/main.py."""
