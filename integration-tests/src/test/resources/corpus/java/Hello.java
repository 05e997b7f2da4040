public class Hello {
    public static void main(String[] args) {
        System.out.println("hello from " + (args.length > 0 ? args[0] : "Java"));
    }
}
