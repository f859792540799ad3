package dev.kiln.inference.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Text to token ids and back, as the checkpoint defines it. */
public interface Tokenizer {
    int vocabSize();

    /** The ids of {@code text}, without any begin-of-sequence token. */
    int[] encode(String text);

    /** The bytes token {@code id} stands for (UTF-8; a byte-fallback token is one raw byte). */
    byte[] bytes(int id);

    /** The begin-of-sequence id the model expects before a prompt, or −1 for none. */
    default int bos() { return -1; }

    /** The end-of-sequence id that stops generation, or −1 for none. */
    default int eos() { return -1; }

    /** The text of {@code ids}: their bytes joined, then decoded as UTF-8 (invalid sequences become U+FFFD). */
    default String decode(int[] ids) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int id : ids) b.writeBytes(bytes(id));
        return b.toString(StandardCharsets.UTF_8);
    }

    /** An incremental decoder for streaming: a character split over two tokens is printed once it is whole. */
    default Stream stream() { return new Stream(this); }

    final class Stream {
        private final Tokenizer tokenizer;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
        private ByteBuffer pending = ByteBuffer.allocate(0);

        Stream(Tokenizer tokenizer) { this.tokenizer = tokenizer; }

        /** The text that token {@code id} completes (possibly empty). */
        public String next(int id) {
            byte[] b = tokenizer.bytes(id);
            ByteBuffer in = ByteBuffer.allocate(pending.remaining() + b.length);
            in.put(pending).put(b).flip();
            CharBuffer out = CharBuffer.allocate(in.remaining() + 2);
            utf8.decode(in, out, false);
            pending = in.slice();
            return out.flip().toString();
        }
    }
}
