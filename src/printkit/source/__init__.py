"""Files in, typed values out: project, kits, schema, variables, rosters, the registry, YAML."""
