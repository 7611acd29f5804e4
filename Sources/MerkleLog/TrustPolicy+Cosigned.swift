extension TrustPolicy {
    /// The policy's witnesses that cosigned `checkpoint` in `notes`, the cosigned copies witnesses publish, one note
    /// per witness name. A note that does not verify, or is of another tree, counts for nothing: anyone can publish one.
    public func cosigners(of checkpoint: Checkpoint, in notes: [String: String]) -> [NoteVerifier] {
        witnesses.filter { witness in
            guard let text = notes[witness.name], let note = try? SignedNote(parsing: Array(text.utf8)),
                let alone = try? TrustPolicy(log: log, witnesses: [witness], quorum: 1)
            else { return false }
            return (try? alone.verify(note)) == checkpoint
        }
    }
}
