package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// inRepo says why path is not part of the repository ("" when it is): missing, outside the
// project, or present only here (not tracked by git, so absent from a fresh clone).
func inRepo(dir, path string) string {
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "is outside the project directory"
	}
	if _, err := os.Stat(path); err != nil {
		return "does not exist"
	}
	out, err := exec.Command("git", "-C", dir, "ls-files", "--", rel).Output()
	if err != nil {
		return "" // not a git checkout: existing is all that can be asked
	}
	if strings.TrimSpace(string(out)) == "" {
		return "is not in git (a fresh clone has no such path)"
	}
	return ""
}

func relative(dir, path string) string {
	if rel, err := filepath.Rel(dir, path); err == nil {
		return rel
	}
	return path
}

// checkPaths: every bind mount, required env file, build context, Dockerfile and the Dockerfile's
// COPY sources are in the repository.
func checkPaths(p *problems, project *types.Project, dir string) {
	for _, name := range project.ServiceNames() {
		s := project.Services[name]
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if why := inRepo(dir, v.Source); why != "" {
				p.add("service %s: bind mount %s (at %s) %s", name, relative(dir, v.Source), v.Target, why)
			}
		}
		for _, f := range s.EnvFiles {
			if !bool(f.Required) {
				continue
			}
			if _, err := os.Stat(f.Path); err != nil {
				p.add("service %s: env_file %s does not exist (mark it required: false if it is optional)", name, relative(dir, f.Path))
			}
		}
		if s.Build != nil {
			checkBuild(p, name, s.Build, dir)
		}
	}
}

func checkBuild(p *problems, name string, b *types.BuildConfig, dir string) {
	if why := inRepo(dir, b.Context); why != "" {
		p.add("service %s: build context %s %s", name, relative(dir, b.Context), why)
		return
	}
	if b.DockerfileInline != "" {
		return
	}
	dockerfile := b.Dockerfile
	if dockerfile == "" {
		dockerfile = "Dockerfile"
	}
	if !filepath.IsAbs(dockerfile) {
		dockerfile = filepath.Join(b.Context, dockerfile)
	}
	if why := inRepo(dir, dockerfile); why != "" {
		p.add("service %s: Dockerfile %s %s", name, relative(dir, dockerfile), why)
		return
	}
	for _, source := range copySources(dockerfile) {
		matches, _ := filepath.Glob(filepath.Join(b.Context, source))
		if len(matches) == 0 {
			p.add("service %s: %s copies %s, which is not in the build context %s",
				name, relative(dir, dockerfile), source, relative(dir, b.Context))
		}
	}
}

// copySources are the context paths of the Dockerfile's COPY and ADD lines (not --from stages,
// not URLs; one instruction per line, as ours are written).
func copySources(dockerfile string) []string {
	f, err := os.Open(dockerfile)
	if err != nil {
		return nil
	}
	defer f.Close()
	var sources []string
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) < 3 || (!strings.EqualFold(fields[0], "COPY") && !strings.EqualFold(fields[0], "ADD")) {
			continue
		}
		args := fields[1:]
		fromStage := false
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			fromStage = fromStage || strings.HasPrefix(args[0], "--from")
			args = args[1:]
		}
		if fromStage || len(args) < 2 || strings.HasPrefix(args[0], "[") {
			continue
		}
		for _, source := range args[:len(args)-1] {
			if !strings.Contains(source, "://") {
				sources = append(sources, source)
			}
		}
	}
	return sources
}
