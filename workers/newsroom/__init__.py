"""The newsroom's memory as a check uses it: repeats an editor ruled on, claims reused,
and a newsroom's own confidence maps."""
