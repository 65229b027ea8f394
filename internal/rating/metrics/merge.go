package metrics

import yaml "go.yaml.in/yaml/v3"

// maxNodes bounds the tree after aliases are expanded: a few aliases of
// aliases (the "billion laughs" file) would otherwise fill memory.
const maxNodes = 100000

// expand returns n with aliases replaced by what they name and merge
// keys ("<<: *defaults") applied, as PyYAML's safe_load does for
// CloudKitty: operators share settings between metrics with anchors.
// Keys written in a map win over merged ones; among merged maps the
// first wins. Nodes keep their lines, so errors still point into the
// file (a merged key at its anchor).
func (p *parser) expand(n *yaml.Node, budget *int) (*yaml.Node, error) {
	if *budget--; *budget < 0 {
		return nil, p.errAt(n, "", "", "too many nodes once aliases are expanded (more than %d)", maxNodes)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return p.expand(n.Alias, budget)
	case yaml.DocumentNode, yaml.SequenceNode:
		out := *n
		out.Content = make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			e, err := p.expand(c, budget)
			if err != nil {
				return nil, err
			}
			out.Content[i] = e
		}
		return &out, nil
	case yaml.MappingNode:
		return p.expandMap(n, budget)
	}
	return n, nil
}

func (p *parser) expandMap(n *yaml.Node, budget *int) (*yaml.Node, error) {
	out := *n
	out.Content = nil
	var merged []*yaml.Node // key, value pairs from merge keys
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		ev, err := p.expand(v, budget)
		if err != nil {
			return nil, err
		}
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			sources := []*yaml.Node{ev}
			if ev.Kind == yaml.SequenceNode {
				sources = ev.Content
			}
			for _, s := range sources {
				if s.Kind != yaml.MappingNode {
					return nil, p.errAt(v, "", "<<", "a merge key takes a map or a list of maps")
				}
				merged = append(merged, s.Content...)
			}
			continue
		}
		out.Content = append(out.Content, k, ev)
	}
	has := map[string]bool{}
	for i := 0; i < len(out.Content); i += 2 {
		has[out.Content[i].Value] = true
	}
	for i := 0; i+1 < len(merged); i += 2 {
		if k := merged[i]; !has[k.Value] {
			has[k.Value] = true
			out.Content = append(out.Content, k, merged[i+1])
		}
	}
	return &out, nil
}
