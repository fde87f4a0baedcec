package check

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

var settingName = regexp.MustCompile(`^(TRAILHOUND_[A-Z0-9_]+|SLACK_[A-Z]+_TOKEN|REDIS_URL)$`)

// ProductSettings lists the environment variables the product's code names:
// every string literal that is a TRAILHOUND_* name, a Slack token or
// REDIS_URL, in the non-test Go files of the repository outside deploy/.
// Reading the source rather than importing a package keeps this module free
// of the product's module, and keeps working wherever the settings table
// moves.
func ProductSettings() ([]string, error) {
	var out []string
	fset := token.NewFileSet()
	err := filepath.WalkDir(RepoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "deploy", "testdata", "vendor":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && settingName.MatchString(s) {
					out = append(out, s)
				}
			}
			return true
		})
		return nil
	})
	slices.Sort(out)
	return slices.Compact(out), err
}
