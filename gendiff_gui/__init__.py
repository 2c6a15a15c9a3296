"""gendiff's desktop program: a Qt window that trains auto-encoders and diffusion models live, with thin numpy views."""
