// Command compose-check loads a compose file the way `docker compose` does (compose-go's
// LoadProject: schema, interpolation, depends_on) and checks what the loader leaves to run time:
// mounted paths, env files and build contexts in the repository, healthchecks behind
// service_healthy, the Prometheus scrape targets, and the ports and settings of the local stack
// (or the differences the README and the file's header list). One line per problem; exit 1 on any.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	expectPath := flag.String("expect", "", "JSON of the local stack's ports and the stage commands (required)")
	projectDir := flag.String("project-dir", "", "project directory (default: the compose file's folder)")
	readme := flag.String("readme", "", "README listing the differences (default: <project-dir>/README.md)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: compose-check --expect FILE.json [--project-dir DIR] [--readme FILE] docker-compose.yml")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || *expectPath == "" {
		flag.Usage()
		os.Exit(2)
	}
	file, err := filepath.Abs(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	dir := *projectDir
	if dir == "" {
		dir = filepath.Dir(file)
	}
	if dir, err = filepath.Abs(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	readmePath := *readme
	if readmePath == "" {
		readmePath = filepath.Join(dir, "README.md")
	}
	expected, err := readExpectations(*expectPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	problems, summary := check(file, dir, readmePath, expected)
	for _, p := range problems.list {
		fmt.Println(p)
	}
	if len(problems.list) > 0 {
		fmt.Fprintf(os.Stderr, "compose-check: %d problem(s) in %s\n", len(problems.list), file)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "compose-check: %s loads: %s\n", file, summary)
}
