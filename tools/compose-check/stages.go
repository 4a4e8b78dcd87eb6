package main

import (
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// stageService is a service that runs a valbench command from the image built here.
type stageService struct {
	name    string
	command string
	stage   stage
	// port is the HTTP port it serves /metrics on (the flag's value or the command's default), 0: none.
	port int
	host string
}

// flagValue is the value of --name in args (`--name v` or `--name=v`), and whether it is there.
func flagValue(args []string, name string) (string, bool) {
	for i, arg := range args {
		if arg == "--"+name && i+1 < len(args) {
			return args[i+1], true
		}
		if value, ok := strings.CutPrefix(arg, "--"+name+"="); ok {
			return value, true
		}
	}
	return "", false
}

// stageServices finds the services running a valbench command and checks their flags against
// the command's --help: a flag the command no longer takes stops the stage at start (exit 1).
func stageServices(p *problems, project *types.Project, e expectations) []stageService {
	var stages []stageService
	for _, name := range project.ServiceNames() {
		s := project.Services[name]
		if s.Build == nil || len(s.Command) == 0 {
			continue
		}
		command := s.Command[0]
		st, ok := e.Stages[command]
		if !ok {
			p.add("service %s runs `valbench %s`: there is no such command", name, command)
			continue
		}
		known := map[string]bool{"help": true}
		for _, f := range st.Flags {
			known[f] = true
		}
		for _, arg := range s.Command[1:] {
			flag, ok := strings.CutPrefix(arg, "--")
			if !ok {
				continue
			}
			flag, _, _ = strings.Cut(flag, "=")
			if !known[flag] {
				p.add("service %s: `valbench %s` takes no --%s (see valbench %s --help)", name, command, flag, command)
			}
		}
		ss := stageService{name: name, command: command, stage: st, port: st.Port, host: st.Host}
		if st.PortFlag != "" {
			if value, ok := flagValue(s.Command[1:], st.PortFlag); ok {
				ss.port = atoiOr(value, -1)
				if value == "off" {
					ss.port = 0
				} else if ss.port <= 0 {
					p.add("service %s: --%s %s is not a fixed port (Prometheus needs one)", name, st.PortFlag, value)
				}
			}
		}
		if st.HostFlag != "" {
			if value, ok := flagValue(s.Command[1:], st.HostFlag); ok {
				ss.host = value
			}
		}
		if ss.port > 0 && (strings.HasPrefix(ss.host, "127.") || ss.host == "localhost") {
			p.add("service %s: --%s %s is loopback inside its container: nothing else reaches port %d",
				name, st.HostFlag, ss.host, ss.port)
		}
		stages = append(stages, ss)
	}
	sort.Slice(stages, func(i, j int) bool { return stages[i].name < stages[j].name })
	return stages
}
