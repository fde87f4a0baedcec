package redact

import "strings"

// maxKey bounds the normalised key kept on the stack; longer keys are
// compared by their last maxKey bytes, which is where the suffixes are.
const maxKey = 64

// normKey lower-cases a key and drops '-', '_', '.' and spaces, so that
// secretAccessKey, secret_access_key, Secret-Access-Key and
// X-Amz-Security-Token compare as one word.
func normKey(dst []byte, k string) []byte {
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '-' || c == '_' || c == '.' || c == ' ':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if len(dst) == cap(dst) {
			copy(dst, dst[1:])
			dst = dst[:len(dst)-1]
		}
		dst = append(dst, c)
	}
	return dst
}

// credentialExact are keys that hold a credential only as a whole word:
// "pwd" and "sig" are credentials, "cwd" and "configsig" need not be.
var credentialExact = map[string]bool{
	"pwd": true, "sig": true, "authorization": true, "proxyauthorization": true,
	"cookie": true, "setcookie": true, "keymaterial": true,
}

// credentialSuffixes are endings that make any key a credential's:
// masterUserPassword, aws_secret_access_key, X-Amz-Security-Token,
// clientSecret, GITHUB_TOKEN.
var credentialSuffixes = []string{
	"password", "passwd", "passphrase", "secret", "secretkey", "secretaccesskey",
	"accesskeyid", "token", "apikey", "privatekey", "secretstring", "secretbinary",
	"presharedkey", "signature", "credentials",
}

// notCredential are keys ending like a credential that are not one:
// pagination and idempotency tokens that AWS APIs and CloudTrail records
// carry everywhere and people use to correlate calls.
var notCredential = map[string]bool{
	"nexttoken": true, "clienttoken": true, "clientrequesttoken": true, "paginationtoken": true,
	"continuationtoken": true, "idempotencytoken": true, "changetoken": true, "startingtoken": true,
	"nextcontinuationtoken": true, "pagetoken": true, "nextpagetoken": true, "tokentype": true,
}

func credentialKey(nk []byte) bool {
	if len(nk) == 0 || notCredential[string(nk)] {
		return false
	}
	if credentialExact[string(nk)] {
		return true
	}
	for _, s := range credentialSuffixes {
		if len(nk) >= len(s) && string(nk[len(nk)-len(s):]) == s {
			return true
		}
	}
	return false
}

// kindOfKey says what a credential key held, for the counts.
func kindOfKey(nk []byte, fallback Kind) Kind {
	k := string(nk)
	switch {
	case strings.HasSuffix(k, "sessiontoken") || strings.HasSuffix(k, "securitytoken"):
		return SessionToken
	case strings.HasSuffix(k, "secretaccesskey") || strings.HasSuffix(k, "secretkey"):
		return SecretAccessKey
	case strings.HasSuffix(k, "accesskeyid"):
		return AccessKeyID
	case strings.HasSuffix(k, "authorization"):
		return Authorization
	case strings.HasSuffix(k, "privatekey"):
		return PrivateKey
	}
	return fallback
}

// Environment shapes. ECS container definitions and Batch job definitions
// carry "environment": [{"name","value"}]; CodeBuild carries
// "environmentVariables": [{"name","value","type"}] inside an
// "environment" object; Lambda carries "Environment": {"Variables": {…}};
// SageMaker and App Runner carry plain maps. Every value is hidden and
// every name kept: a name says what a variable is for, a value is often a
// connection string or a key whatever its name.
const (
	envNone      = iota
	envList      // an array of name/value entries or "NAME=value" strings
	envMap       // an object whose member values are variables' values
	envContainer // CodeBuild's or Lambda's environment object, holding one of the above
)

// envKind says which environment shape a key introduces, given the first
// byte of its value and, for "variables", the object it sits in.
func envKind(nk []byte, first byte, parent int) int {
	switch string(nk) {
	case "environment", "environmentvariables", "environmentvariablesoverride",
		"runtimeenvironmentvariables", "env", "envvars":
		if first == '[' {
			return envList
		}
		if first == '{' {
			if string(nk) == "environment" {
				return envContainer // decided on its members by the walker
			}
			return envMap
		}
	case "variables":
		if parent == envContainer && first == '{' {
			return envMap
		}
	}
	return envNone
}

// containerKeys are members that make an "environment" object a container
// (CodeBuild's, Lambda's) rather than a map of variables (SageMaker's).
var containerKeys = map[string]bool{
	"variables": true, "environmentvariables": true, "type": true, "image": true,
	"computetype": true, "error": true, "privilegedmode": true,
}

// pairNameKeys and pairValueKeys are the members of a name/value entry:
// environment entries, CloudFormation parameters, tags, Elastic Beanstalk
// option settings.
var pairNameKeys = map[string]bool{"name": true, "key": true, "parameterkey": true, "optionname": true}
var pairValueKeys = map[string]bool{"value": true, "parametervalue": true}

// referenceTypes are CodeBuild variable types whose value is the name of a
// parameter or secret, not the secret: a person needs to see which one.
var referenceTypes = map[string]bool{"PARAMETER_STORE": true, "SECRETS_MANAGER": true}

// beanstalkEnvNamespace is the option-setting namespace of Elastic
// Beanstalk environment properties.
const beanstalkEnvNamespace = ":application:environment"
