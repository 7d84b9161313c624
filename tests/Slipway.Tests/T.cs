public class T{}
