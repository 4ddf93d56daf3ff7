// group
