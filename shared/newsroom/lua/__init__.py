"""The Lua scripts of the newsroom's memory, each run by the module beside this package."""
