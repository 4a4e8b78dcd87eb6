package main

import (
	"fmt"
	"sort"
	"strings"
)

// check loads the file with its variables unset and set, with the default profiles and with
// every profile, and runs every check on each load that succeeds.
func check(file, dir, readme string, e expectations) (*problems, string) {
	p := &problems{}
	vars, err := variables(file)
	if err != nil {
		p.add("%s: %v", file, err)
		return p, ""
	}
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if vars[name].Required {
			p.add("${%s} is required: docker compose refuses the whole file while it is unset", name)
		}
	}
	summary := ""
	logged := captureWarnings()
	for _, env := range environments(vars) {
		for _, profiles := range [][]string{nil, {"*"}} {
			project, err := load(file, dir, env, profiles)
			for _, w := range logged.take() {
				p.add("load (%s): %s", env.name, w)
			}
			if err != nil {
				p.add("load (%s, %s): %v", env.name, profileLabel(profiles), err)
				continue
			}
			if profiles == nil {
				continue // the default profiles: that it loads (no service needs a disabled one) is the check
			}
			stages := stageServices(p, project, e)
			checkPaths(p, project, dir)
			checkDependencies(p, project)
			checkScrapes(p, project, stages)
			// With the variables set, ports move by design: only the default load is compared
			// with the local stack, but both must be consistent within the file.
			d := localStack(p, project, stages, e)
			if env.values == nil {
				checkLocalStack(p, d, file, readme)
				summary = fmt.Sprintf("%d services (%s), variables %s unset and set",
					len(project.Services), strings.Join(project.ServiceNames(), ", "), strings.Join(names, ", "))
			}
		}
	}
	return p, summary
}

func profileLabel(profiles []string) string {
	if profiles == nil {
		return "default profiles"
	}
	return "all profiles"
}
