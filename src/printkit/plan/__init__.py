"""Pure planning (no PDF): render jobs and the one recipe for every key."""
