package languagetest

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-pocket-id/cdk-pocket-id-go/cdkpocketid"
)

const (
	clientName = "go-language-test"
	// The one handler of a stack lives under this construct id, frozen by the library (its ServiceToken
	// depends on it), so its Lambda's logical id starts with it.
	handlerLogicalIdPrefix = "CdkPocketIdProviderHandler"
	// The runtime lib/private/pocket-id-provider.ts gives the handler.
	handlerRuntime = "nodejs24.x"
)

type resource struct {
	logicalId  string
	properties map[string]interface{}
}

func synth() map[string]interface{} {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("GoLanguageTest"), nil)
	pocketId := cdkpocketid.NewPocketId(stack, jsii.String("PocketId"), &cdkpocketid.PocketIdProps{
		BaseUrl:  jsii.String("https://auth.example.com"),
		ApiToken: awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("ApiToken"), jsii.String("pocket-id/api-token")),
	})
	cdkpocketid.NewOidcClient(stack, jsii.String("Client"), &cdkpocketid.OidcClientProps{
		PocketId:     pocketId,
		Name:         jsii.String(clientName),
		CallbackUrls: jsii.Strings("https://app.example.com/callback"),
	})
	return *assertions.Template_FromStack(stack, nil).ToJSON()
}

func resourcesOfType(t *testing.T, template map[string]interface{}, resourceType string) []resource {
	t.Helper()
	resources, ok := template["Resources"].(map[string]interface{})
	if !ok {
		t.Fatalf("template has no Resources: %v", template)
	}
	var found []resource
	for logicalId, value := range resources {
		r, _ := value.(map[string]interface{})
		if r["Type"] == resourceType {
			properties, _ := r["Properties"].(map[string]interface{})
			found = append(found, resource{logicalId, properties})
		}
	}
	return found
}

func TestSynthesizesOneOidcClientWithItsSecretAndHandler(t *testing.T) {
	template := synth()

	clients := resourcesOfType(t, template, "Custom::PocketIdOidcClient")
	if len(clients) != 1 {
		t.Fatalf("expected one Custom::PocketIdOidcClient, got %v", clients)
	}
	if got := clients[0].properties["Name"]; got != clientName {
		t.Errorf("Name = %v, want %q", got, clientName)
	}
	if got := clients[0].properties["BaseUrl"]; got != "https://auth.example.com" {
		t.Errorf("BaseUrl = %v, want %q", got, "https://auth.example.com")
	}

	if secrets := resourcesOfType(t, template, "AWS::SecretsManager::Secret"); len(secrets) != 1 {
		t.Errorf("expected one AWS::SecretsManager::Secret, got %v", secrets)
	}

	var handlers []resource
	for _, function := range resourcesOfType(t, template, "AWS::Lambda::Function") {
		if strings.HasPrefix(function.logicalId, handlerLogicalIdPrefix) {
			handlers = append(handlers, function)
		}
	}
	if len(handlers) != 1 {
		t.Fatalf("expected one handler Lambda (%s*), got %v", handlerLogicalIdPrefix, handlers)
	}
	if got := handlers[0].properties["Runtime"]; got != handlerRuntime {
		t.Errorf("handler Runtime = %v, want %q", got, handlerRuntime)
	}
}
