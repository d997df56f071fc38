// Asks Java and Kafka's own classes what they make of our material, one task per input line.
// Fields are hex-encoded UTF-8 so that any text survives; each answer is one line:
// "OK <hex>" or "ERR <exception class>".
//   dn <path>            X500Principal.getName() (RFC 2253) of the certificate in a PEM file
//   jaas <text>          the "password" option Kafka's JaasConfig reads from a sasl.jaas.config
//   propjaas <path>      the same, for sasl.jaas.config in a .properties file Properties.load reads
//   map <rules> <dn>     what Kafka's SslPrincipalMapper makes of a distinguished name
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Properties;
import java.util.Map;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.ssl.SslPrincipalMapper;

public class KafkaPeer {
    static String text(String hex) {
        return new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
    }

    static String hex(String text) {
        return HexFormat.of().formatHex(text.getBytes(StandardCharsets.UTF_8));
    }

    static String password(String jaas) {
        JaasContext context = JaasContext.loadClientContext(Map.of("sasl.jaas.config", new Password(jaas)));
        return (String) context.configurationEntries().get(0).getOptions().get("password");
    }

    static String answer(String[] f) throws Exception {
        switch (f[0]) {
            case "dn": {
                try (FileInputStream in = new FileInputStream(text(f[1]))) {
                    X509Certificate c = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
                    return c.getSubjectX500Principal().getName();
                }
            }
            case "jaas":
                return password(text(f[1]));
            case "propjaas": {
                Properties p = new Properties();
                try (FileInputStream in = new FileInputStream(text(f[1]))) {
                    p.load(in);
                }
                return password(p.getProperty("sasl.jaas.config"));
            }
            case "map":
                return SslPrincipalMapper.fromRules(text(f[1])).getName(text(f[2]));
            default:
                throw new IllegalArgumentException(f[0]);
        }
    }

    public static void main(String[] args) throws Exception {
        BufferedReader lines = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = lines.readLine()) != null) {
            try {
                System.out.println("OK " + hex(answer(line.split(" ", -1))));
            } catch (Exception e) {
                System.out.println("ERR " + e.getClass().getSimpleName());
            }
        }
    }
}
