// A Kafka client configured only by a rendered properties file: what a component would do.
// Usage: RenderedClients <client.properties> <prefix> <topic> <messages> <replication factor>
// Every key is used, and keys starting with <prefix> ("kafkastore." for Schema Registry,
// "producer." for a Connect worker's producers) override, as the component itself does;
// config providers in the file (${dir:...}) are resolved by Kafka itself.
// Prints one line per fact: "brokers 0@zone-a,1@zone-b", "isr 2", "consumed 20", or
// "error <class>: <message>" and exits 1.
import java.io.FileInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class RenderedClients {
    public static void main(String[] args) throws Exception {
        Properties file = new Properties();
        try (FileInputStream in = new FileInputStream(args[0])) {
            file.load(in);
        }
        String prefix = args[1];
        String topic = args[2];
        int messages = Integer.parseInt(args[3]);
        short factor = Short.parseShort(args[4]);
        Map<String, Object> config = new TreeMap<>();
        for (String key : file.stringPropertyNames()) {
            config.put(key, file.getProperty(key));
        }
        if (!prefix.isEmpty()) {
            for (String key : file.stringPropertyNames()) {
                if (key.startsWith(prefix)) {
                    config.put(key.substring(prefix.length()), file.getProperty(key));
                }
            }
        }
        try {
            run(config, topic, messages, factor);
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            StringBuilder chain = new StringBuilder(cause.getClass().getName() + ": " + cause.getMessage());
            for (Throwable c = cause.getCause(); c != null; c = c.getCause()) {
                chain.append(" <- ").append(c.getClass().getName()).append(": ").append(c.getMessage());
            }
            System.out.println("error " + chain.toString().replace('\n', ' '));
            System.exit(1);
        }
    }

    static void run(Map<String, Object> config, String topic, int messages, short factor) throws Exception {
        try (Admin admin = Admin.create(config)) {
            List<String> brokers = new ArrayList<>();
            for (Node node : admin.describeCluster().nodes().get()) {
                brokers.add(node.id() + "@" + node.rack());
            }
            brokers.sort(null);
            System.out.println("brokers " + String.join(",", brokers));
            try {
                admin.createTopics(List.of(new NewTopic(topic, 1, factor))).all().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) throw e;
            }
        }
        Map<String, Object> producing = new TreeMap<>(config);
        producing.put("acks", "all");
        producing.put("key.serializer", StringSerializer.class.getName());
        producing.put("value.serializer", StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producing)) {
            for (int i = 0; i < messages; i++) {
                producer.send(new ProducerRecord<>(topic, "m" + i)).get();
            }
        }
        try (Admin admin = Admin.create(config)) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            System.out.println("isr " + description.partitions().get(0).isr().size());
        }
        Map<String, Object> consuming = new TreeMap<>(config);
        consuming.put("group.id", "rendered-clients-" + topic);
        consuming.put("auto.offset.reset", "earliest");
        consuming.put("key.deserializer", StringDeserializer.class.getName());
        consuming.put("value.deserializer", StringDeserializer.class.getName());
        int consumed = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consuming)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 60_000;
            while (consumed < messages && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
                consumed += records.count();
            }
        }
        System.out.println("consumed " + consumed);
    }
}
