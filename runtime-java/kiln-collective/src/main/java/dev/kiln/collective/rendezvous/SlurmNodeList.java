package dev.kiln.collective.rendezvous;

import java.util.ArrayList;
import java.util.List;

/**
 * Slurm's compact host list ({@code SLURM_JOB_NODELIST}) expanded to host names, in Slurm's order:
 * {@code node[01-03,07],login} is {@code node01 node02 node03 node07 login}; zero padding is kept, and a name
 * may hold several bracket groups ({@code rack[1-2]-n[1-2]}). A malformed list is an
 * {@link IllegalArgumentException} naming it.
 */
public final class SlurmNodeList {
    /** Far more hosts than any job has: a guard against a typo like {@code n[1-99999999]}. */
    private static final int MAX_HOSTS = 1 << 20;

    private SlurmNodeList() {}

    public static List<String> expand(String list) {
        List<String> hosts = new ArrayList<>();
        for (String item : topLevelItems(list)) expandItem(list, item, "", hosts);
        if (hosts.isEmpty()) throw new IllegalArgumentException("SLURM_JOB_NODELIST names no host: '" + list + "'");
        return hosts;
    }

    /** The first host of the list: where Slurm places task 0 under the default block distribution. */
    public static String first(String list) {
        List<String> items = topLevelItems(list);
        if (items.isEmpty()) throw new IllegalArgumentException("SLURM_JOB_NODELIST names no host: '" + list + "'");
        List<String> hosts = new ArrayList<>();
        expandItem(list, items.getFirst(), "", hosts);
        return hosts.getFirst();
    }

    /** Splits at the commas outside brackets. */
    private static List<String> topLevelItems(String list) {
        List<String> items = new ArrayList<>();
        int depth = 0, start = 0;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '[') depth++;
            else if (c == ']') depth--;
            if (depth < 0 || depth > 1) throw malformed(list, "unbalanced brackets");
            if (c == ',' && depth == 0) {
                addItem(list, items, list.substring(start, i));
                start = i + 1;
            }
        }
        if (depth != 0) throw malformed(list, "unbalanced brackets");
        addItem(list, items, list.substring(start));
        return items;
    }

    private static void addItem(String list, List<String> items, String item) {
        String t = item.trim();
        if (t.isEmpty()) {
            if (!list.isBlank()) throw malformed(list, "an empty host name");
            return;
        }
        items.add(t);
    }

    private static void expandItem(String list, String item, String prefix, List<String> out) {
        int open = item.indexOf('[');
        if (open < 0) {
            if (out.size() >= MAX_HOSTS) throw malformed(list, "more than " + MAX_HOSTS + " hosts");
            out.add(prefix + item);
            return;
        }
        int close = item.indexOf(']', open);
        String head = prefix + item.substring(0, open);
        String rest = item.substring(close + 1);
        for (String range : item.substring(open + 1, close).split(",", -1)) {
            int dash = range.indexOf('-');
            String lo = dash < 0 ? range : range.substring(0, dash);
            String hi = dash < 0 ? range : range.substring(dash + 1);
            if (!digits(lo) || !digits(hi)) throw malformed(list, "range '" + range + "' is not N or N-M with digits");
            long a = Long.parseLong(lo), b = Long.parseLong(hi);
            if (b < a) throw malformed(list, "range '" + range + "' runs backwards");
            if (b - a >= MAX_HOSTS) throw malformed(list, "range '" + range + "' has more than " + MAX_HOSTS + " hosts");
            int width = lo.length();
            for (long v = a; v <= b; v++) {
                String num = Long.toString(v);
                if (num.length() < width) num = "0".repeat(width - num.length()) + num;
                expandItem(list, rest, head + num, out);
            }
        }
    }

    private static boolean digits(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    private static IllegalArgumentException malformed(String list, String why) {
        return new IllegalArgumentException("SLURM_JOB_NODELIST = '" + list + "' is malformed: " + why);
    }
}
