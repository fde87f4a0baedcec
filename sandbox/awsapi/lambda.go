package awsapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// Lambda GetFunctionConfiguration (restJson) over topology.json's
// AWS::Lambda::Function items.

// lambdaFunction is FunctionConfiguration: the same names read topology.json
// (case-insensitively) and write the wire.
type lambdaFunction struct {
	FunctionName     string `json:"FunctionName,omitempty"`
	FunctionArn      string `json:"FunctionArn,omitempty"`
	Runtime          string `json:"Runtime,omitempty"`
	Role             string `json:"Role,omitempty"`
	Handler          string `json:"Handler,omitempty"`
	Description      string `json:"Description,omitempty"`
	CodeSize         *int64 `json:"CodeSize,omitempty"`
	CodeSha256       string `json:"CodeSha256,omitempty"`
	Timeout          *int   `json:"Timeout,omitempty"`
	MemorySize       *int   `json:"MemorySize,omitempty"`
	LastModified     string `json:"LastModified,omitempty"`
	Version          string `json:"Version,omitempty"`
	RevisionID       string `json:"RevisionId,omitempty"`
	State            string `json:"State,omitempty"`
	StateReason      string `json:"StateReason,omitempty"`
	StateReasonCode  string `json:"StateReasonCode,omitempty"`
	LastUpdateStatus string `json:"LastUpdateStatus,omitempty"`
	// The reason of the last update, when it failed or is in progress.
	LastUpdateStatusReason     string                `json:"LastUpdateStatusReason,omitempty"`
	LastUpdateStatusReasonCode string                `json:"LastUpdateStatusReasonCode,omitempty"`
	PackageType                string                `json:"PackageType,omitempty"`
	Architectures              []string              `json:"Architectures,omitempty"`
	KMSKeyArn                  string                `json:"KMSKeyArn,omitempty"`
	VpcConfig                  *lambdaVpcConfig      `json:"VpcConfig,omitempty"`
	Environment                *lambdaEnvironment    `json:"Environment,omitempty"`
	Layers                     []lambdaLayer         `json:"Layers,omitempty"`
	LoggingConfig              *lambdaLoggingConfig  `json:"LoggingConfig,omitempty"`
	DeadLetterConfig           *lambdaDeadLetter     `json:"DeadLetterConfig,omitempty"`
	TracingConfig              *lambdaTracingConfig  `json:"TracingConfig,omitempty"`
	EphemeralStorage           *lambdaEphemeralStore `json:"EphemeralStorage,omitempty"`
}

type lambdaVpcConfig struct {
	SubnetIDs        []string `json:"SubnetIds,omitempty"`
	SecurityGroupIDs []string `json:"SecurityGroupIds,omitempty"`
	VpcID            string   `json:"VpcId,omitempty"`
}

type lambdaEnvironment struct {
	Variables map[string]string `json:"Variables,omitempty"`
}

type lambdaLayer struct {
	Arn      string `json:"Arn,omitempty"`
	CodeSize *int64 `json:"CodeSize,omitempty"`
}

type lambdaLoggingConfig struct {
	LogFormat           string `json:"LogFormat,omitempty"`
	ApplicationLogLevel string `json:"ApplicationLogLevel,omitempty"`
	SystemLogLevel      string `json:"SystemLogLevel,omitempty"`
	LogGroup            string `json:"LogGroup,omitempty"`
}

type lambdaDeadLetter struct {
	TargetArn string `json:"TargetArn,omitempty"`
}

type lambdaTracingConfig struct {
	Mode string `json:"Mode,omitempty"`
}

type lambdaEphemeralStore struct {
	Size *int `json:"Size,omitempty"`
}

func (inv *inventory) lambdaHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2015-03-31/functions/{name}/configuration", inv.getFunctionConfiguration)
	mux.HandleFunc("GET /2015-03-31/functions/{name}", inv.getFunction)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeLambdaError(w, http.StatusNotFound, "UnknownOperationException", "sandbox lambda does not serve "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func (inv *inventory) getFunctionConfiguration(w http.ResponseWriter, r *http.Request) {
	if !inv.a.begin(w, r, "lambda:GetFunctionConfiguration", writeLambdaError) {
		return
	}
	if fn, ok := inv.findFunction(w, r); ok {
		writeLambdaJSON(w, fn)
	}
}

// getFunction answers GetFunction: the configuration, where the code is,
// and the tags. The sandbox holds no code package, so the location is the
// shape of a presigned link, not one that downloads.
func (inv *inventory) getFunction(w http.ResponseWriter, r *http.Request) {
	if !inv.a.begin(w, r, "lambda:GetFunction", writeLambdaError) {
		return
	}
	fn, ok := inv.findFunction(w, r)
	if !ok {
		return
	}
	code := map[string]string{"RepositoryType": "S3",
		"Location": "https://awslambda-" + inv.a.requestRegion(r) + "-tasks.s3." + inv.a.requestRegion(r) + ".amazonaws.com/snapshots/" + inv.account + "/" + fn.FunctionName}
	if fn.PackageType == "Image" {
		code = map[string]string{"RepositoryType": "ECR"}
	}
	writeLambdaJSON(w, map[string]any{"Configuration": fn, "Code": code, "Tags": map[string]string{}})
}

// findFunction is the function the path names, or answers the error Lambda would.
func (inv *inventory) findFunction(w http.ResponseWriter, r *http.Request) (lambdaFunction, bool) {
	region := inv.a.requestRegion(r)
	name := lambdaFunctionName(r.PathValue("name"))
	if name == "" {
		writeLambdaError(w, http.StatusBadRequest, "InvalidParameterValueException", "FunctionName is required.")
		return lambdaFunction{}, false
	}
	fns, err := inv.lambdaFunctions(region)
	if err != nil {
		writeLambdaError(w, http.StatusInternalServerError, "ServiceException", "sandbox scenario: "+err.Error())
		return lambdaFunction{}, false
	}
	for _, fn := range fns {
		if fn.FunctionName == name {
			return fn, true
		}
	}
	writeLambdaError(w, http.StatusNotFound, "ResourceNotFoundException",
		"Function not found: "+inv.arn("lambda", region, "function:"+name))
	return lambdaFunction{}, false
}

func writeLambdaJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeLambdaError(w, http.StatusInternalServerError, "ServiceException", "encode response: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	_, _ = w.Write(b)
}

// lambdaFunctionName takes the function's name out of any form the API
// accepts: name, name:qualifier, account:function:name, or a full ARN.
// The scenario holds one configuration per function, which serves every
// qualifier.
func lambdaFunctionName(ref string) string {
	if res := arnResource(ref); res != "" {
		ref = strings.TrimPrefix(res, "function:")
	} else if _, after, ok := strings.Cut(ref, ":function:"); ok {
		ref = after
	}
	name, _, _ := strings.Cut(ref, ":")
	return name
}

// lambdaFunctions returns the functions of region as the API shows them:
// topology.json's, with the state fields of feeds.json's lambda_functions
// laid over them (a function only the feed lists exists too).
func (inv *inventory) lambdaFunctions(region string) ([]lambdaFunction, error) {
	var out []lambdaFunction
	for _, it := range inv.ofType("AWS::Lambda::Function", region) {
		var fn lambdaFunction
		if err := decodeConfiguration(it, &fn); err != nil {
			return nil, err
		}
		fn.FunctionName = orDefault(fn.FunctionName, lambdaFunctionName(it.ID))
		fn.FunctionArn = orDefault(fn.FunctionArn, it.ARN)
		fn.Role = orDefault(fn.Role, firstOf(relatedARNs(it, "AWS::IAM::Role")))
		if name := firstOf(relatedIDs(it, "AWS::IAM::Role")); fn.Role == "" && name != "" {
			fn.Role = "arn:aws:iam::" + inv.account + ":role/" + name
		}
		fn.KMSKeyArn = orDefault(fn.KMSKeyArn, firstOf(relatedARNs(it, "AWS::KMS::Key")))
		sgs, subnets := relatedIDs(it, "AWS::EC2::SecurityGroup"), relatedIDs(it, "AWS::EC2::Subnet")
		if len(sgs)+len(subnets) > 0 {
			if fn.VpcConfig == nil {
				fn.VpcConfig = &lambdaVpcConfig{}
			}
			fn.VpcConfig.SecurityGroupIDs = appendMissing(fn.VpcConfig.SecurityGroupIDs, sgs...)
			fn.VpcConfig.SubnetIDs = appendMissing(fn.VpcConfig.SubnetIDs, subnets...)
		}
		for _, layer := range relatedARNs(it, "AWS::Lambda::LayerVersion") {
			if !fn.hasLayer(layer) {
				fn.Layers = append(fn.Layers, lambdaLayer{Arn: layer})
			}
		}
		out = append(out, fn)
	}
	return inv.overlayLambdaFeed(out, region)
}

func (inv *inventory) overlayLambdaFeed(fns []lambdaFunction, region string) ([]lambdaFunction, error) {
	if inv.a.sc.Feeds == nil {
		return fns, nil
	}
	for i, raw := range inv.a.sc.Feeds.LambdaFunctions {
		var key lambdaFunction
		if err := json.Unmarshal(raw, &key); err != nil {
			return nil, fmt.Errorf("feeds.json lambda_functions[%d]: %w", i, err)
		}
		name := lambdaFunctionName(orDefault(key.FunctionName, key.FunctionArn))
		if feedRegion := arnRegion(key.FunctionArn); feedRegion != "" && feedRegion != region {
			continue
		}
		j := slices.IndexFunc(fns, func(fn lambdaFunction) bool { return fn.FunctionName == name })
		if j < 0 {
			fns = append(fns, lambdaFunction{FunctionName: name})
			j = len(fns) - 1
		}
		if err := json.Unmarshal(raw, &fns[j]); err != nil {
			return nil, fmt.Errorf("feeds.json lambda_functions[%d]: %w", i, err)
		}
	}
	return fns, nil
}

// arnRegion is the region field of an ARN, "" when it has none.
func arnRegion(arn string) string {
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		return parts[3]
	}
	return ""
}

func (fn *lambdaFunction) hasLayer(arn string) bool {
	for _, l := range fn.Layers {
		if l.Arn == arn {
			return true
		}
	}
	return false
}

// writeLambdaError answers a restJson error: the code in X-Amzn-ErrorType, as
// Lambda sends it, and a body the SDK reads the message from.
func writeLambdaError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", newUUID())
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	kind := "User"
	if status >= 500 {
		kind = "Service"
	}
	b, _ := json.Marshal(map[string]string{"Type": kind, "Message": msg})
	_, _ = w.Write(b)
}
