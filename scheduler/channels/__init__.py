"""Push channels behind one small async interface (`Channel.send`)."""
