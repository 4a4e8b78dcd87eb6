package main

import "fmt"

// problems is an ordered set of lines: the same problem seen by several loads is printed once.
type problems struct {
	list []string
	seen map[string]bool
}

func (p *problems) add(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	if p.seen == nil {
		p.seen = map[string]bool{}
	}
	if !p.seen[line] {
		p.seen[line] = true
		p.list = append(p.list, line)
	}
}
