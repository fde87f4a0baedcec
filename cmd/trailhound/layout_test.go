package main

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/trailhound/trailhound"

// importRule says which of the module's packages may import a family of
// packages. Only direct, non-test imports count: tests may drive the real SDK
// clients against the sandbox.
type importRule struct {
	family  string   // import-path prefix of the guarded packages
	allowed []string // module-relative path prefixes allowed to import them
}

var importRules = []importRule{
	{family: "github.com/aws/aws-sdk-go-v2", allowed: []string{"tools", "investigation/bedrock"}},
	{family: "github.com/aws/smithy-go", allowed: []string{"tools", "investigation/bedrock", "sandbox/awsapi"}},
	{family: "github.com/slack-go/slack", allowed: []string{"bot/slackchat", "blocks"}},
	{family: "github.com/redis/go-redis", allowed: []string{"store"}},
	{family: "github.com/alicebob/miniredis", allowed: []string{"store"}},
	{family: module + "/cmd", allowed: nil},
	{family: module + "/bot", allowed: []string{"bot", "cmd"}},
	{family: module + "/sandbox", allowed: []string{"sandbox", "cmd"}},
}

// moduleImports lists each package of the module with its direct imports,
// from the go command itself so that build tags and files are read as the
// compiler reads them.
func moduleImports(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	pkgs := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(fields[0], module), "/")
		pkgs[rel] = fields[1:]
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages: %s", len(pkgs), out)
	}
	return pkgs
}

func within(rel string, prefixes []string) bool {
	for _, p := range prefixes {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

func TestImportRules(t *testing.T) {
	for rel, imports := range moduleImports(t) {
		for _, imp := range imports {
			for _, r := range importRules {
				if (imp == r.family || strings.HasPrefix(imp, r.family+"/")) && !within(rel, r.allowed) {
					t.Errorf("%s imports %s; only %v may", rel, imp, r.allowed)
				}
			}
		}
	}
}

// TestDomainRootImportsNothingOfTheProject keeps the vocabulary at the root
// free of adapters and engine alike, and the domain free of its adapters.
func TestDomainRootImportsNothingOfTheProject(t *testing.T) {
	pkgs := moduleImports(t)
	for _, imp := range pkgs["investigation"] {
		if strings.HasPrefix(imp, module) {
			t.Errorf("investigation imports %s; the domain root imports nothing of the project", imp)
		}
	}
	outer := []string{"bot", "tools", "store", "blocks", "sandbox", "cmd", "config"}
	for rel, imports := range pkgs {
		if !within(rel, []string{"investigation"}) {
			continue
		}
		for _, imp := range imports {
			if within(strings.TrimPrefix(strings.TrimPrefix(imp, module), "/"), outer) && strings.HasPrefix(imp, module) {
				t.Errorf("%s imports %s; the domain does not depend on its adapters", rel, imp)
			}
		}
	}
}
