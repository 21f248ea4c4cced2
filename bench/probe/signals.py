from apps.events.public import domain_signal

pinged = domain_signal("benchprobe.Pinged.v1")
