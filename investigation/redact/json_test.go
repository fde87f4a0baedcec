package redact

import (
	"encoding/json"
	"testing"
)

// jsonShapes are documents as CloudTrail records, AWS API responses (tool
// outputs to the model) and stored artifacts carry them. Whitespace and key
// order are the input's: only redacted strings change.
var jsonShapes = []struct {
	name, in, want string
}{
	{"ECS RegisterTaskDefinition environment",
		`{"containerDefinitions":[{"name":"api","image":"repo/api:1.4","environment":[{"name":"DB_PASSWORD","value":"hunter2"},{"name":"STAGE","value":"prod"}],"secrets":[{"name":"API_KEY","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-AbCdEf"}]}]}`,
		`{"containerDefinitions":[{"name":"api","image":"repo/api:1.4","environment":[{"name":"DB_PASSWORD","value":"[redacted]"},{"name":"STAGE","value":"[redacted]"}],"secrets":[{"name":"API_KEY","valueFrom":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-AbCdEf"}]}]}`},
	{"ECS RunTask container overrides",
		`{"overrides":{"containerOverrides":[{"name":"worker","environment":[{"value":"postgres://u:p@db/x","name":"DATABASE_URL"}]}]}}`,
		`{"overrides":{"containerOverrides":[{"name":"worker","environment":[{"value":"[redacted]","name":"DATABASE_URL"}]}]}}`},
	{"Batch job definition",
		`{"jobDefinitionName":"etl","containerProperties":{"image":"etl:2","environment":[{"name":"TOKEN","value":"t0k3n"}]}}`,
		`{"jobDefinitionName":"etl","containerProperties":{"image":"etl:2","environment":[{"name":"TOKEN","value":"[redacted]"}]}}`},
	{"Lambda GetFunctionConfiguration",
		`{"FunctionName":"checkout","Environment":{"Variables":{"STRIPE_KEY":"sk_live_4eC39HqLyjWDarjtT1zdp7dc","TABLE":"orders"}},"Role":"arn:aws:iam::123456789012:role/checkout"}`,
		`{"FunctionName":"checkout","Environment":{"Variables":{"STRIPE_KEY":"sk_live_[redacted]","TABLE":"[redacted]"}},"Role":"arn:aws:iam::123456789012:role/checkout"}`},
	{"Lambda UpdateFunctionConfiguration request, camelCase",
		`{"functionName":"checkout","environment":{"variables":{"DB_HOST":"db.internal"}}}`,
		`{"functionName":"checkout","environment":{"variables":{"DB_HOST":"[redacted]"}}}`},
	{"CodeBuild project, typed variables",
		`{"name":"build","environment":{"type":"LINUX_CONTAINER","image":"aws/codebuild/standard:7.0","computeType":"BUILD_GENERAL1_SMALL","environmentVariables":[{"name":"NPM_TOKEN","value":"npm_abc123","type":"PLAINTEXT"},{"name":"DB","value":"/prod/db/password","type":"PARAMETER_STORE"},{"name":"GH","value":"prod/github:token","type":"SECRETS_MANAGER"}]}}`,
		`{"name":"build","environment":{"type":"LINUX_CONTAINER","image":"aws/codebuild/standard:7.0","computeType":"BUILD_GENERAL1_SMALL","environmentVariables":[{"name":"NPM_TOKEN","value":"[redacted]","type":"PLAINTEXT"},{"name":"DB","value":"/prod/db/password","type":"PARAMETER_STORE"},{"name":"GH","value":"prod/github:token","type":"SECRETS_MANAGER"}]}}`},
	{"CodeBuild StartBuild override",
		`{"projectName":"build","environmentVariablesOverride":[{"name":"RELEASE","value":"v1.2","type":"PLAINTEXT"}]}`,
		`{"projectName":"build","environmentVariablesOverride":[{"name":"RELEASE","value":"[redacted]","type":"PLAINTEXT"}]}`},
	{"SageMaker container environment map",
		`{"PrimaryContainer":{"Image":"img","Environment":{"HF_TOKEN":"hf_abc","SAGEMAKER_PROGRAM":"train.py"}}}`,
		`{"PrimaryContainer":{"Image":"img","Environment":{"HF_TOKEN":"[redacted]","SAGEMAKER_PROGRAM":"[redacted]"}}}`},
	{"Docker Env strings",
		`{"Config":{"Env":["PATH=/usr/bin","REDIS_URL=redis://:pw@cache:6379"]}}`,
		`{"Config":{"Env":["PATH=[redacted]","REDIS_URL=[redacted]"]}}`},
	{"Elastic Beanstalk environment properties",
		`{"optionSettings":[{"namespace":"aws:elasticbeanstalk:application:environment","optionName":"API_SECRET","value":"abc"},{"namespace":"aws:autoscaling:asg","optionName":"MinSize","value":"2"}]}`,
		`{"optionSettings":[{"namespace":"aws:elasticbeanstalk:application:environment","optionName":"API_SECRET","value":"[redacted]"},{"namespace":"aws:autoscaling:asg","optionName":"MinSize","value":"2"}]}`},
	{"CloudFormation parameters",
		`{"stackName":"db","parameters":[{"parameterKey":"DBPassword","parameterValue":"hunter2"},{"parameterKey":"InstanceClass","parameterValue":"db.r6g.large"}]}`,
		`{"stackName":"db","parameters":[{"parameterKey":"DBPassword","parameterValue":"[redacted]"},{"parameterKey":"InstanceClass","parameterValue":"db.r6g.large"}]}`},
	{"STS AssumeRole response",
		`{"credentials":{"accessKeyId":"ASIAZI2LB466WDLI7IXP","sessionToken":"IQoJb3JpZ2luX2VjEGEaCXVzLWVhc3QtMSJI","expiration":"Jul 10, 2023, 1:11:15 PM"},"assumedRoleUser":{"assumedRoleId":"AROAZI2LB466X3EXAMPLE:ci","arn":"arn:aws:sts::123456789012:assumed-role/deploy/ci"}}`,
		`{"credentials":{"accessKeyId":"ASIA[redacted]","sessionToken":"[redacted]","expiration":"[redacted]"},"assumedRoleUser":{"assumedRoleId":"AROA[redacted]:ci","arn":"arn:aws:sts::123456789012:assumed-role/deploy/ci"}}`},
	{"RDS and Redshift master passwords",
		`{"dBInstanceIdentifier":"orders","masterUserPassword":"p4ss","MasterUserPassword":"x","newMasterUserPassword":"y"}`,
		`{"dBInstanceIdentifier":"orders","masterUserPassword":"[redacted]","MasterUserPassword":"[redacted]","newMasterUserPassword":"[redacted]"}`},
	{"Secrets Manager values",
		`{"secretId":"prod/orders/db","secretString":"{\"username\":\"app\",\"password\":\"p\"}","secretBinary":"c2VjcmV0"}`,
		`{"secretId":"prod/orders/db","secretString":"[redacted]","secretBinary":"[redacted]"}`},
	{"ACM import and EC2 key pair",
		`{"certificate":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----","privateKey":"-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----","keyMaterial":"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"}`,
		`{"certificate":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----","privateKey":"[redacted]","keyMaterial":"[redacted]"}`},
	{"OAuth client, tokens and keys",
		`{"clientId":"abc","clientSecret":"s3cr3t","authToken":"a","apiKey":"k","token":"t","access_token":"x","nextToken":"keep","clientToken":"keep-too"}`,
		`{"clientId":"abc","clientSecret":"[redacted]","authToken":"[redacted]","apiKey":"[redacted]","token":"[redacted]","access_token":"[redacted]","nextToken":"keep","clientToken":"keep-too"}`},
	{"credential object keeps its shape",
		`{"credentials":{"username":"svc","password":"pw","port":5432,"tls":true,"extra":null}}`,
		`{"credentials":{"username":"[redacted]","password":"[redacted]","port":"[redacted]","tls":true,"extra":null}}`},
	{"values already hidden stay",
		`{"password":"HIDDEN_DUE_TO_SECURITY_REASONS","token":"****","secret":"","userData":"<sensitiveDataRemoved>"}`,
		`{"password":"HIDDEN_DUE_TO_SECURITY_REASONS","token":"****","secret":"","userData":"<sensitiveDataRemoved>"}`},
	{"JSON inside a string, twice over",
		`{"input":"{\"config\":\"{\\\"password\\\":\\\"p\\\",\\\"region\\\":\\\"eu-west-1\\\"}\",\"ok\":true}"}`,
		`{"input":"{\"config\":\"{\\\"password\\\":\\\"[redacted]\\\",\\\"region\\\":\\\"eu-west-1\\\"}\",\"ok\":true}"}`},
	{"text shapes inside strings",
		`{"userAgent":"aws-cli/2.15","requestParameters":{"url":"https://u:pw@example.com/hook?token=abc","note":"key AKIAIOSFODNN7EXAMPLE"}}`,
		`{"userAgent":"aws-cli/2.15","requestParameters":{"url":"https://u:[redacted]@example.com/hook?token=[redacted]","note":"key AKIA[redacted]"}}`},
	{"headers map",
		`{"headers":{"Authorization":"Bearer abcdefghijklmnop1234","X-Amz-Security-Token":"FwoGZXIvYXdzEBYaDLtc","Host":"api.example.com"}}`,
		`{"headers":{"Authorization":"[redacted]","X-Amz-Security-Token":"[redacted]","Host":"api.example.com"}}`},
	{"formatting and key order kept",
		"{\n  \"eventID\": \"ee73c230-44bc-4492-8542-cfb189eae287\",\n  \"password\": \"x\",\n  \"awsRegion\": \"us-east-1\"\n}",
		"{\n  \"eventID\": \"ee73c230-44bc-4492-8542-cfb189eae287\",\n  \"password\": \"[redacted]\",\n  \"awsRegion\": \"us-east-1\"\n}"},
	{"policy document kept",
		`{"policyName":"p","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\"}]}"}`,
		`{"policyName":"p","policyDocument":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf\"}]}"}`},
	{"not JSON is redacted as text",
		`not json password=hunter2&x=1`, `not json password=[redacted]&x=1`},
}

func TestJSONShapes(t *testing.T) {
	for _, c := range jsonShapes {
		t.Run(c.name, func(t *testing.T) {
			got := string(JSON([]byte(c.in)))
			if got != c.want {
				t.Errorf("JSON(%s)\n got %s\nwant %s", c.in, got, c.want)
			}
			if json.Valid([]byte(c.in)) && !json.Valid([]byte(got)) {
				t.Errorf("output is not valid JSON: %s", got)
			}
			if again := string(JSON([]byte(got))); again != got {
				t.Errorf("not idempotent:\n%s\n%s", got, again)
			}
		})
	}
}
