// channel
