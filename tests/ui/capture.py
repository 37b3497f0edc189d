"""For AppTest scripts of the ui tests: the ForwardMsgs a run sends, as the browser would receive them."""


def keep_sent():
    """Inside an AppTest script: from here on every ForwardMsg of this run is also appended, serialised, to the
    returned list; call the returned function to stop."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    sent, enqueue = [], ctx._enqueue

    def keep(msg):
        sent.append(msg.SerializeToString())
        enqueue(msg)

    ctx._enqueue = keep
    return sent, lambda: setattr(ctx, "_enqueue", enqueue)
