package main

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

const differencesTitle = "differences from the local stack"

// differences maps a token (as listed between backticks) to why the file differs there.
type differences map[string][]string

func (d differences) add(token, format string, args ...any) {
	reason := fmt.Sprintf(format, args...)
	for _, r := range d[token] {
		if r == reason {
			return
		}
	}
	d[token] = append(d[token], reason)
}

func published(s types.ServiceConfig) map[int]uint32 {
	ports := map[int]uint32{}
	for _, port := range s.Ports {
		if n := atoiOr(port.Published, 0); n > 0 {
			ports[n] = port.Target
		}
	}
	return ports
}

// listeners parses a Kafka listener list (NAME://host:port,...) into name → host:port.
func listeners(value string) map[string]string {
	out := map[string]string{}
	for _, l := range strings.Split(value, ",") {
		name, address, ok := strings.Cut(strings.TrimSpace(l), "://")
		if ok {
			out[name] = address
		}
	}
	return out
}

func env(s types.ServiceConfig, name string) string {
	if v, ok := s.Environment[name]; ok && v != nil {
		return *v
	}
	return ""
}

func portOf(address string) int {
	i := strings.LastIndex(address, ":")
	if i < 0 {
		return 0
	}
	return atoiOr(address[i+1:], 0)
}

func checkKafka(p *problems, d differences, kafka types.ServiceConfig, e expectations) {
	on := listeners(env(kafka, "KAFKA_LISTENERS"))
	advertised := listeners(env(kafka, "KAFKA_ADVERTISED_LISTENERS"))
	hostPorts := published(kafka)
	if _, ok := hostPorts[e.KafkaPort]; !ok {
		d.add(strconv.Itoa(e.KafkaPort), "the broker is not on host port %d", e.KafkaPort)
	}
	for hostPort, containerPort := range hostPorts {
		for name, address := range on {
			if portOf(address) == int(containerPort) && portOf(advertised[name]) != hostPort {
				p.add("service kafka: host port %d is listener %s, advertised as %q: host clients would be sent elsewhere",
					hostPort, name, advertised[name])
			}
		}
	}
	controller := on[env(kafka, "KAFKA_CONTROLLER_LISTENER_NAMES")]
	voters := env(kafka, "KAFKA_CONTROLLER_QUORUM_VOTERS")
	if controller != "" && voters != "" && portOf(voters) != portOf(controller) {
		p.add("service kafka: KAFKA_CONTROLLER_QUORUM_VOTERS %s is not the controller listener's port %d", voters, portOf(controller))
	}
	if portOf(controller) != e.ControllerPort {
		d.add(strconv.Itoa(e.ControllerPort), "the controller listens on %d, not %d", portOf(controller), e.ControllerPort)
	} else if _, ok := hostPorts[e.ControllerPort]; !ok {
		d.add(strconv.Itoa(e.ControllerPort), "the controller (%d) is not published on the host", e.ControllerPort)
	}
}

// localStack: the differences the file has from the local stack and the stage commands'
// defaults, against those listed in the README and in the file's header.
func localStack(p *problems, project *types.Project, stages []stageService, e expectations) differences {
	d := differences{}
	local := map[string]bool{"kafka": true, "registry": true}
	kafka, ok := project.Services["kafka"]
	if ok {
		checkKafka(p, d, kafka, e)
	} else {
		p.add("no service kafka: the stages need a broker")
	}
	if registry, ok := project.Services["registry"]; !ok {
		p.add("no service registry: the stages need a schema registry")
	} else if _, ok := published(registry)[e.RegistryPort]; !ok {
		d.add(strconv.Itoa(e.RegistryPort), "the registry is not on host port %d", e.RegistryPort)
	}
	for _, s := range stages {
		local[s.name] = true
		service := project.Services[s.name]
		if brokers := env(service, "KAFKA_BROKERS"); brokers != e.KafkaBrokers {
			d.add(brokers, "the stages reach Kafka at %s (local: %s)", brokers, e.KafkaBrokers)
		}
		if raw := env(service, "SCHEMA_REGISTRY_URL"); raw != e.RegistryURL {
			token := raw
			if u, err := url.Parse(raw); err == nil && u.Host != "" {
				token = u.Host
			}
			d.add(token, "the stages reach the registry at %s (local: %s)", raw, e.RegistryURL)
		}
		if s.stage.Port == 0 {
			continue
		}
		token := strconv.Itoa(s.stage.Port)
		if s.port != s.stage.Port {
			d.add(token, "%s serves on %d, not its default %d", s.name, s.port, s.stage.Port)
		} else if _, ok := published(service)[s.port]; !ok {
			d.add(token, "%s's port %d is not published on the host", s.name, s.port)
		}
		if s.host != s.stage.Host {
			d.add("--"+s.stage.HostFlag+" "+s.host, "%s listens on %s (default %s)", s.name, s.host, s.stage.Host)
		}
	}
	for _, name := range project.ServiceNames() {
		if !local[name] {
			d.add(name, "service %s has no counterpart in the local stack", name)
		}
	}
	return d
}

var backticked = regexp.MustCompile("`([^`]+)`")

// itemTokens are the backticked names an item of the list begins with, before its first ": "
// (`9093`: why... or `kafka:19092`, `registry:8080`: why...); the explanation may quote more.
func itemTokens(text string) []string {
	text = strings.TrimPrefix(text, "- ")
	if !strings.HasPrefix(text, "`") {
		return nil
	}
	var tokens []string
	end := 0
	for _, m := range backticked.FindAllStringSubmatchIndex(text, -1) {
		if strings.Contains(text[end:m[0]], ": ") {
			break
		}
		tokens = append(tokens, text[m[2]:m[3]])
		end = m[1]
	}
	return tokens
}

// listed reads the names of the differences list: from the line naming it to the blank line
// after its items (README) or the end of the header comment (compose file).
func listed(path string, comment bool) (map[string]bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tokens := map[string]bool{}
	found, inside, items := false, false, 0
	for _, line := range strings.Split(string(raw), "\n") {
		if comment && !strings.HasPrefix(line, "#") {
			break
		}
		text := strings.TrimSpace(strings.TrimPrefix(line, "#"))
		switch {
		case strings.Contains(strings.ToLower(text), differencesTitle):
			found, inside, items = true, true, 0
		case inside && strings.HasPrefix(text, "#"), inside && text == "" && items > 0:
			inside = false // a heading, or the blank line after the list
		}
		if inside {
			for _, token := range itemTokens(text) {
				tokens[token] = true
				items++
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("no list of %q", differencesTitle)
	}
	return tokens, nil
}

// checkLocalStack compares the differences with the lists of the README and the file's header.
func checkLocalStack(p *problems, d differences, file, readme string) {
	for _, doc := range []struct {
		path    string
		comment bool
	}{{readme, false}, {file, true}} {
		name := filepath.Base(doc.path)
		tokens, err := listed(doc.path, doc.comment)
		if err != nil {
			p.add("%s: %v", name, err)
			continue
		}
		for _, token := range sortedKeys(d) {
			if !tokens[token] {
				p.add("%s does not list `%s` among the differences from the local stack: %s",
					name, token, strings.Join(d[token], "; "))
			}
		}
		for token := range tokens {
			if _, ok := d[token]; !ok {
				p.add("%s lists `%s` among the differences from the local stack, but the compose file does not differ there", name, token)
			}
		}
	}
}

func sortedKeys(d differences) []string {
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
