"""The terminal commands (`shuxiang ...`): the librarian's second front end over core/."""
