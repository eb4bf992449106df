"""The `trainboard` command: every subcommand is listed in `trainboard.cli.main.COMMANDS`.

The CLI may import every other package of the product; nothing imports the CLI.
"""
