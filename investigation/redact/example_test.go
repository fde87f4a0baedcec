package redact_test

import (
	"fmt"

	"github.com/trailhound/trailhound/investigation/redact"
)

func ExampleJSON() {
	event := `{"eventID":"ee73c230-44bc-4492-8542-cfb189eae287","eventName":"RegisterTaskDefinition",` +
		`"requestParameters":{"containerDefinitions":[{"name":"api","environment":[{"name":"DB_PASSWORD","value":"hunter2"}]}]},` +
		`"userIdentity":{"accessKeyId":"ASIAZI2LB466WDLI7IXP"}}`
	fmt.Println(string(redact.JSON([]byte(event))))
	// Output:
	// {"eventID":"ee73c230-44bc-4492-8542-cfb189eae287","eventName":"RegisterTaskDefinition","requestParameters":{"containerDefinitions":[{"name":"api","environment":[{"name":"DB_PASSWORD","value":"[redacted]"}]}]},"userIdentity":{"accessKeyId":"ASIA[redacted]"}}
}

func ExampleText() {
	fmt.Println(redact.Text("connect postgres://orders:Tr0ub4dor3@db:5432/orders with X-Amz-Security-Token: FwoGZXIvYXdzEBYaDLtcNupZxgkt6ivK"))
	// Output:
	// connect postgres://orders:[redacted]@db:5432/orders with X-Amz-Security-Token: [redacted]
}

func ExampleRedactor() {
	var r redact.Redactor
	_ = r.Text("key AKIAIOSFODNN7EXAMPLE, password=hunter2")
	_ = r.JSON([]byte(`{"masterUserPassword":"x"}`))
	// For a log line: slog.Info("answer posted", "redaction", r.String()).
	fmt.Println(r.String())
	// Output:
	// 3 redacted (1 access key id, 1 key=value secret, 1 credential field)
}
