package main

import (
	"context"
	"os"
	"sort"
	"strconv"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// variables are the ${NAME} the file interpolates, by name.
func variables(file string) (map[string]template.Variable, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var model map[string]any
	if err := yaml.Unmarshal(raw, &model); err != nil {
		return nil, err
	}
	return template.ExtractVariables(model, template.DefaultPattern), nil
}

// sampleValue is a value for a variable set by the user: another number for a numeric default
// (a port), a number without a default (valid wherever a word is, and where a port is needed),
// a word otherwise.
func sampleValue(v template.Variable) string {
	if v.DefaultValue == "" {
		return "10001"
	}
	if n, err := strconv.Atoi(v.DefaultValue); err == nil && n > 0 && n < 55000 {
		return strconv.Itoa(n + 10000)
	}
	return "sample-" + v.Name
}

// environment is one set of values for the file's variables: none set, or all set.
type environment struct {
	name   string
	values []string
}

func environments(vars map[string]template.Variable) []environment {
	names := make([]string, 0, len(vars))
	for name := range vars {
		names = append(names, name)
	}
	sort.Strings(names)
	set := make([]string, 0, len(names))
	for _, name := range names {
		set = append(set, name+"="+sampleValue(vars[name]))
	}
	if len(names) == 0 {
		return []environment{{name: "no variables"}}
	}
	return []environment{{name: "variables unset"}, {name: "variables set", values: set}}
}

// load is LoadProject as `docker compose` calls it, with only the given environment (neither the
// machine's nor a .env file: the check must not depend on who runs it).
func load(file, dir string, env environment, profiles []string) (*types.Project, error) {
	options, err := cli.NewProjectOptions([]string{file},
		cli.WithWorkingDirectory(dir),
		cli.WithEnv(env.values),
		cli.WithProfiles(profiles),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		return nil, err
	}
	return options.LoadProject(context.Background())
}
