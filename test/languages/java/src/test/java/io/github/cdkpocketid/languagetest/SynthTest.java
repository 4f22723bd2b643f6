package io.github.cdkpocketid.languagetest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.cdkpocketid.OidcClient;
import io.github.cdkpocketid.OidcClientProps;
import io.github.cdkpocketid.PocketId;
import io.github.cdkpocketid.PocketIdProps;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.services.secretsmanager.Secret;

/** Synthesizes a stack with the built cdk-pocket-id jar (dist/java), as a Java user would. */
class SynthTest {
    private static final String CLIENT_NAME = "java-language-test";
    /**
     * The one handler of a stack lives under this construct id, frozen by the library (its ServiceToken
     * depends on it), so its Lambda's logical id starts with it.
     */
    private static final String HANDLER_LOGICAL_ID_PREFIX = "CdkPocketIdProviderHandler";
    /** The runtime lib/private/pocket-id-provider.ts gives the handler. */
    private static final String HANDLER_RUNTIME = "nodejs24.x";

    @Test
    void synthesizesOneOidcClientWithItsSecretAndHandler() {
        Map<String, Object> template = synth();

        List<Map.Entry<String, Map<String, Object>>> clients = resourcesOfType(template, "Custom::PocketIdOidcClient");
        assertEquals(1, clients.size(), () -> "Custom::PocketIdOidcClient resources: " + clients);
        assertEquals(CLIENT_NAME, properties(clients.get(0)).get("Name"));
        assertEquals("https://auth.example.com", properties(clients.get(0)).get("BaseUrl"));

        List<Map.Entry<String, Map<String, Object>>> secrets = resourcesOfType(template, "AWS::SecretsManager::Secret");
        assertEquals(1, secrets.size(), () -> "AWS::SecretsManager::Secret resources: " + secrets);

        List<Map.Entry<String, Map<String, Object>>> handlers = resourcesOfType(template, "AWS::Lambda::Function").stream()
                .filter(entry -> entry.getKey().startsWith(HANDLER_LOGICAL_ID_PREFIX))
                .collect(Collectors.toList());
        assertEquals(1, handlers.size(), () -> "handler Lambdas (" + HANDLER_LOGICAL_ID_PREFIX + "*): " + handlers);
        assertEquals(HANDLER_RUNTIME, properties(handlers.get(0)).get("Runtime"));
    }

    private static Map<String, Object> synth() {
        App app = new App();
        Stack stack = new Stack(app, "JavaLanguageTest");
        PocketId pocketId = new PocketId(stack, "PocketId", PocketIdProps.builder()
                .baseUrl("https://auth.example.com")
                .apiToken(Secret.fromSecretNameV2(stack, "ApiToken", "pocket-id/api-token"))
                .build());
        new OidcClient(stack, "Client", OidcClientProps.builder()
                .pocketId(pocketId)
                .name(CLIENT_NAME)
                .callbackUrls(List.of("https://app.example.com/callback"))
                .build());
        return Template.fromStack(stack).toJSON();
    }

    @SuppressWarnings("unchecked")
    private static List<Map.Entry<String, Map<String, Object>>> resourcesOfType(Map<String, Object> template, String type) {
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) template.getOrDefault("Resources", Map.of());
        return resources.entrySet().stream()
                .filter(entry -> type.equals(entry.getValue().get("Type")))
                .collect(Collectors.toList());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> properties(Map.Entry<String, Map<String, Object>> resource) {
        return (Map<String, Object>) resource.getValue().getOrDefault("Properties", Map.of());
    }
}
