package org.pluginscheduler.web.auth;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Salted PBKDF2 password hashes, in the one text form kept in configuration:
 * {@code pbkdf2-sha256$<iterations>$<salt, base64>$<hash, base64>}.
 */
public final class Passwords {

    /** What {@link #hash(char[])} uses: OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
    public static final int ITERATIONS = 600_000;
    /** Fewer iterations are refused when a hash is read: a configured hash that is cheap to crack is a mistake. */
    public static final int MIN_ITERATIONS = 100_000;
    private static final String PREFIX = "pbkdf2-sha256";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    /** A parsed hash. */
    public record Hash(int iterations, byte[] salt, byte[] hash) {
        /** @return {@code true} if the password hashes to this hash (constant-time comparison) */
        public boolean matches(char[] password) {
            return MessageDigest.isEqual(hash, pbkdf2(password, salt, iterations));
        }

        /** @return {@code true} if both describe the same hash (records compare arrays by identity) */
        public boolean sameAs(Hash other) {
            return other != null && iterations == other.iterations && java.util.Arrays.equals(salt, other.salt)
                    && java.util.Arrays.equals(hash, other.hash);
        }
    }

    /** @return the text form of a new salted hash of the password */
    public static String hash(char[] password) {
        return hash(password, ITERATIONS);
    }

    /**
     * The hash of a generated secret of at least 128 random bits (the generated admin's password): guessing it is
     * hopeless whatever the hashing, so one iteration is enough, and start-up and log-ins do not pay for 600,000.
     * Never for a password a person chose.
     */
    public static Hash ofRandomSecret(char[] secret) {
        if (secret.length < 22) {
            throw new IllegalArgumentException("a generated secret has at least 22 base64 characters");
        }
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        return new Hash(1, salt, pbkdf2(secret, salt, 1));
    }

    /**
     * A hash no password matches (its bytes are random, not hashed), that costs {@code iterations} to check: what an
     * unknown user name is checked against. Made without hashing, so it is not paid for on the thread that
     * configures the users (a DS thread).
     */
    static Hash unmatchable(int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        byte[] hash = new byte[HASH_BITS / 8];
        RANDOM.nextBytes(salt);
        RANDOM.nextBytes(hash);
        return new Hash(iterations, salt, hash);
    }

    static String hash(char[] password, int iterations) {
        byte[] salt = new byte[SALT_BYTES];
        RANDOM.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return PREFIX + "$" + iterations + "$" + b64.encodeToString(salt) + "$"
                + b64.encodeToString(pbkdf2(password, salt, iterations));
    }

    /**
     * @throws IllegalArgumentException saying what is wrong with the text (never echoing it: it is a secret's hash)
     */
    public static Hash parse(String text) {
        String[] parts = text == null ? new String[0] : text.trim().split("\\$");
        if (parts.length != 4 || !parts[0].equals(PREFIX)) {
            throw new IllegalArgumentException("is not a password hash of the form " + PREFIX
                    + "$<iterations>$<salt>$<hash> (make one with the shell command web:hashpw)");
        }
        int iterations;
        try {
            iterations = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("has iterations '" + parts[1] + "', not a whole number");
        }
        if (iterations < MIN_ITERATIONS) {
            throw new IllegalArgumentException("has " + iterations + " iterations; at least " + MIN_ITERATIONS
                    + " are required");
        }
        try {
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] hash = Base64.getDecoder().decode(parts[3]);
            if (salt.length < 8 || hash.length != HASH_BITS / 8) {
                throw new IllegalArgumentException("has a salt shorter than 8 bytes or a hash that is not 32 bytes");
            }
            return new Hash(iterations, salt, hash);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("has ")) {
                throw e;
            }
            throw new IllegalArgumentException("has a salt or hash that is not base64");
        }
    }

    /** @return the SHA-256 of a bearer token, hex: what a token's configuration keeps */
    public static String tokenDigest(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** @return a random secret of {@code bytes} random bytes, base64url without padding */
    public static String randomSecret(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    private static byte[] pbkdf2(char[] password, byte[] salt, int iterations) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password, salt, iterations, HASH_BITS);
            try {
                return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
            } finally {
                spec.clearPassword();
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is not available", e);
        }
    }
}
