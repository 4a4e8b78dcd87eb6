package main

import (
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

const prometheusConfig = "/etc/prometheus/prometheus.yml"

type scrapeConfig struct {
	JobName       string `yaml:"job_name"`
	StaticConfigs []struct {
		Targets []string `yaml:"targets"`
	} `yaml:"static_configs"`
	DNSSDConfigs []struct {
		Names []string `yaml:"names"`
		Type  string   `yaml:"type"`
		Port  int      `yaml:"port"`
	} `yaml:"dns_sd_configs"`
}

type target struct {
	job  string
	host string
	port int
}

func atoiOr(s string, fallback int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return fallback
}

// scrapeTargets reads the Prometheus configuration a service mounts: static targets and DNS
// names (type A: every replica of a scaled service; a name that does not resolve, a service of a
// profile not started, gives no target rather than one that is down).
func scrapeTargets(p *problems, path string) []target {
	raw, err := os.ReadFile(path)
	if err != nil {
		p.add("prometheus configuration %s: %v", path, err)
		return nil
	}
	var config struct {
		ScrapeConfigs []scrapeConfig `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(raw, &config); err != nil {
		p.add("prometheus configuration %s: %v", path, err)
		return nil
	}
	var targets []target
	for _, job := range config.ScrapeConfigs {
		for _, sc := range job.StaticConfigs {
			for _, t := range sc.Targets {
				host, port, err := net.SplitHostPort(t)
				if err != nil {
					p.add("prometheus job %s: target %s has no port", job.JobName, t)
					continue
				}
				targets = append(targets, target{job.JobName, host, atoiOr(port, 0)})
			}
		}
		for _, sd := range job.DNSSDConfigs {
			if !strings.EqualFold(sd.Type, "A") && !strings.EqualFold(sd.Type, "AAAA") {
				p.add("prometheus job %s: dns_sd_configs type %q: service names resolve as A records (type: A and a port)", job.JobName, sd.Type)
				continue
			}
			for _, name := range sd.Names {
				targets = append(targets, target{job.JobName, name, sd.Port})
			}
		}
	}
	return targets
}

// checkScrapes: every target of the mounted Prometheus configuration is a service on the port it
// serves /metrics on, and every stage that serves /metrics is scraped.
func checkScrapes(p *problems, project *types.Project, stages []stageService) {
	for _, name := range project.ServiceNames() {
		for _, v := range project.Services[name].Volumes {
			if v.Type != types.VolumeTypeBind || v.Target != prometheusConfig {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				continue // reported as a missing mount
			}
			checkTargets(p, project, stages, scrapeTargets(p, v.Source))
		}
	}
}

func checkTargets(p *problems, project *types.Project, stages []stageService, targets []target) {
	byName := map[string]stageService{}
	for _, s := range stages {
		byName[s.name] = s
	}
	scraped := map[string]bool{}
	for _, t := range targets {
		if t.host == "localhost" || strings.HasPrefix(t.host, "127.") {
			continue // Prometheus itself
		}
		if _, ok := project.Services[t.host]; !ok {
			p.add("prometheus job %s scrapes %s:%d: there is no service %s", t.job, t.host, t.port, t.host)
			continue
		}
		s, ok := byName[t.host]
		switch {
		case !ok:
			continue
		case s.port == 0:
			p.add("prometheus job %s scrapes %s:%d, but %s serves no /metrics", t.job, t.host, t.port, t.host)
		case s.port != t.port:
			p.add("prometheus job %s scrapes %s:%d, but %s serves /metrics on %d", t.job, t.host, t.port, t.host, s.port)
		default:
			scraped[t.host] = true
		}
	}
	for _, s := range stages {
		if s.port > 0 && !scraped[s.name] {
			p.add("service %s serves /metrics on %d, but no prometheus job scrapes %s:%d", s.name, s.port, s.name, s.port)
		}
	}
}
