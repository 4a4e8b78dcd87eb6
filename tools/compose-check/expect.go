package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// stage is one valbench command as its --help documents it.
type stage struct {
	// Flags is every --flag the command's help names.
	Flags []string `json:"flags"`
	// PortFlag names the flag of the HTTP port (/metrics), empty for a command without one.
	PortFlag string `json:"portFlag"`
	Port     int    `json:"port"`
	// HostFlag and Host: the listen address flag and its default, when the help names one.
	HostFlag string `json:"hostFlag"`
	Host     string `json:"host"`
}

// expectations are the local stack's settings (lib/stack/options.ts) and the stage commands.
type expectations struct {
	KafkaPort      int              `json:"kafkaPort"`
	ControllerPort int              `json:"controllerPort"`
	RegistryPort   int              `json:"registryPort"`
	KafkaBrokers   string           `json:"kafkaBrokers"`
	RegistryURL    string           `json:"schemaRegistryUrl"`
	Stages         map[string]stage `json:"stages"`
}

func readExpectations(path string) (expectations, error) {
	var e expectations
	raw, err := os.ReadFile(path)
	if err != nil {
		return e, fmt.Errorf("--expect: %w", err)
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, fmt.Errorf("--expect %s: %w", path, err)
	}
	if e.KafkaPort == 0 || e.ControllerPort == 0 || e.RegistryPort == 0 || len(e.Stages) == 0 {
		return e, fmt.Errorf("--expect %s: kafkaPort, controllerPort, registryPort and stages are required", path)
	}
	return e, nil
}
