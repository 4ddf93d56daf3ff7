// message
