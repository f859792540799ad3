/**
 * Tokenizers a checkpoint defines: the char-GPT's characters, Llama's SentencePiece BPE and GPT-2's byte-level BPE
 * from GGUF metadata ({@link dev.kiln.inference.tokenizer.Tokenizers#fromMetadata}), with a streaming decoder that
 * prints a character split over tokens once it is whole.
 *
 * <pre>{@code
 * Tokenizer tok = Tokenizers.fromMetadata(gguf);
 * int[] ids = tok.encode("In the beginning");
 * String text = tok.decode(ids);
 * }</pre>
 */
package dev.kiln.inference.tokenizer;
