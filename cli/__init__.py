"""The `ruecommune` command-line tool for operators."""
