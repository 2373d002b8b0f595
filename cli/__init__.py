"""The terminal front end (`shuxiang ...`): the librarian's commands over `core` services."""
