package main

import (
	"github.com/compose-spec/compose-go/v2/graph"
	"github.com/compose-spec/compose-go/v2/types"
)

// checkDependencies: no cycle, and a service waited on as healthy declares its healthcheck (the
// loader accepts service_healthy on a service without one; `up` then waits for nothing that comes).
func checkDependencies(p *problems, project *types.Project) {
	if err := graph.CheckCycle(project); err != nil {
		p.add("depends_on: %v", err)
	}
	for _, name := range project.ServiceNames() {
		for dep, d := range project.Services[name].DependsOn {
			target, ok := project.Services[dep]
			if !ok {
				p.add("service %s depends on %s, which is not a service", name, dep)
				continue
			}
			if d.Condition != types.ServiceConditionHealthy {
				continue
			}
			hc := target.HealthCheck
			if hc == nil || hc.Disable || len(hc.Test) == 0 {
				p.add("service %s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
			}
		}
	}
}
